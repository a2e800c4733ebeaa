export { tinyFunctionalModel, tinyQuantizedModel, tinyRecurrentModel } from './fixtures.js';
export { crc32 } from './crc32.js';
export { mutateSws, mutateSwsMeaning, reframeSws, type FuzzCase, type MeaningKind } from './fuzz.js';
export { checkSwsHeader, MAX_ELEMENTS, MAX_ELEMENTS_PER_BYTE, MAX_HEADER_BYTES, MAX_TENSORS, type SwsHeader, type SwsPreprocessing, type SwsSection, type SwsStream, type SwsTensorEntry } from './header-schema.js';
export { decodeSws, readSwsHeader, swsIO, swsToArtifacts, swsToQuantized, type DecodedSws, type DecodedTensor } from './sws-reader.js';
export { compactTopology, encodeSws, shortestFloat32, SWS_MAGIC, SWS_MAJOR, SWS_MINOR, type EncodedSws, type EncodeSwsOptions, type TensorBytes } from './sws-writer.js';
export { HEADER_DICTIONARY, HEADER_DICTIONARY_TEXT } from './header-dictionary.js';
export { checkLayersTopology, checkTopologyWeights, KNOWN_LAYER_CLASSES, TOPOLOGY_LIMITS, type TopologySummary, type WeightEntry } from './topology/check-topology.js';
export type { ImpliedWeight, Shape } from './topology/config.js';
