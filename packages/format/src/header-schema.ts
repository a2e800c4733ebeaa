import { z } from 'zod';

export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
export const MAX_TENSORS = 4096;
export const MAX_ELEMENTS = 2 ** 28;
/** Decoded elements allowed per byte of file (plus a 1M allowance): bounds what a tiny hostile file can make us allocate. */
export const MAX_ELEMENTS_PER_BYTE = 1024;

const u32 = z.number().int().min(0).max(2 ** 32 - 1);
const section = z.object({ offset: u32, length: u32, crc32: u32 }).strict();
const stream = section.extend({ count: u32 }).strict();
const shape = z.array(z.number().int().min(0).max(MAX_ELEMENTS)).max(8);

const sharedBase = {
  name: z.string().min(1).max(512),
  shape,
  encoding: z.literal('shared'),
  codebook: z.array(z.number().refine(Number.isFinite, 'Expected a finite number')).min(1).max(256),
  coder: z.string().min(1).max(64),
  codes: stream,
};
const sharedTensor = z.discriminatedUnion('layout', [
  z.object({ ...sharedBase, layout: z.literal('escape'), gaps: stream }).strict(),
  z.object({ ...sharedBase, layout: z.literal('context'), mask: section }).strict(),
]);

const rawTensor = z
  .object({
    name: z.string().min(1).max(512),
    shape,
    encoding: z.enum(['float32', 'float16']),
    data: section,
  })
  .strict();

/** The JSON header of a .sws file (docs/format.md). */
export const swsHeaderSchema = z
  .object({
    format: z.literal('softshare-sws'),
    generator: z.string().max(200),
    modelTopology: z.record(z.string(), z.unknown()),
    payloadLength: u32,
    tensors: z.array(z.union([sharedTensor, rawTensor])).max(MAX_TENSORS),
  })
  .strict();

export type SwsHeader = z.output<typeof swsHeaderSchema>;
export type SwsTensorEntry = SwsHeader['tensors'][number];
