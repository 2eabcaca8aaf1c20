// Registers on-task-completed with functions-framework (`functions-framework --target=on-task-completed`, Knative func).
import { http } from '@google-cloud/functions-framework';
import { requestListener } from '@nudge/core';
import { consumer } from './handler.ts';
import { app } from './instance.ts';

http(consumer, requestListener(app));
