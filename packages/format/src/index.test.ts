import { describe, expect, it } from 'vitest';
import * as f from './index.js';

describe('@softshare/format exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(f).sort()).toEqual([
      'GRAPH_LIMITS',
      'HEADER_DICTIONARY',
      'HEADER_DICTIONARY_TEXT',
      'KNOWN_LAYER_CLASSES',
      'MAX_ELEMENTS',
      'MAX_ELEMENTS_PER_BYTE',
      'MAX_HEADER_BYTES',
      'MAX_TENSORS',
      'SWS_MAGIC',
      'SWS_MAJOR',
      'SWS_MINOR',
      'TOPOLOGY_LIMITS',
      'balanceBatchNormWeights',
      'batchNormPairs',
      'checkGraphTopology',
      'checkLayersTopology',
      'checkSwsHeader',
      'checkTopologyWeights',
      'compactTopology',
      'crc32',
      'decodeSws',
      'encodeSws',
      'foldBatchNormWeights',
      'foldBatchNormalization',
      'mutateSws',
      'mutateSwsMeaning',
      'readSwsHeader',
      'reframeSws',
      'shortestFloat32',
      'swsIO',
      'swsToArtifacts',
      'swsToQuantized',
      'tinyFunctionalModel',
      'tinyGraphModel',
      'tinyQuantizedModel',
      'tinyRecurrentModel',
    ]);
  });
});
