import { createConfigLoader, pipelineEnv } from '@nudge/core';
import { z } from 'zod';

/** on-task-completed's whole configuration, read once at startup: the pipeline's common variables. */
export const loadConfig = createConfigLoader(z.object(pipelineEnv));

export type Config = ReturnType<typeof loadConfig>;
