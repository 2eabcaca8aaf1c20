import { createConfigLoader, env } from '@nudge/core';
import { z } from 'zod';

/** `on-task-completed=http://127.0.0.1:8081,cron-scan=http://127.0.0.1:8083` → Map. */
const appUrls = z.string().transform((text, ctx) => {
  const apps = new Map<string, string>();
  for (const pair of text.split(',').filter(Boolean)) {
    const [id, url] = pair.split('=');
    if (!id || !url || !URL.canParse(url)) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not app-id=url` });
      return z.NEVER;
    }
    apps.set(id.trim(), url.trim().replace(/\/$/, ''));
  }
  return apps;
});

/** The sidecar process's configuration; the launcher sets all of it. */
export const loadSidecarConfig = createConfigLoader(
  z.object({
    DAPR_HTTP_PORT: env.port.default(3500),
    DAPR_RESOURCES_DIR: z.string().default('dapr'),
    DATA_DIR: z.string().default('.data'),
    DAPR_APP_URLS: appUrls,
    LOG_LEVEL: env.logLevel,
  }),
);
