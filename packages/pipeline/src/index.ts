export {
  compressionPipeline,
  parsePipelineConfig,
  pipelineConfigSchema,
  pipelineName,
  pipelineStages,
  type PipelineConfig,
  type PipelineConfigInput,
  type PipelineContext,
  type PipelineStage,
} from './pipeline.js';
