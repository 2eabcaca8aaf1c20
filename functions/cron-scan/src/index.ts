// Registers cron-scan with functions-framework (`functions-framework --target=cron-scan`, Knative func).
import { http } from '@google-cloud/functions-framework';
import { requestListener } from '@nudge/core';
import { app } from './instance.ts';

http('cron-scan', requestListener(app));
