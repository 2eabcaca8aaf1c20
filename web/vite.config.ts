import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { clientConfig, loadWebConfig } from './server/config.ts';

/**
 * `vite` (npm run dev) answers /config.json like the production server, from the same variables,
 * so the app boots the same way with hot reloading.
 */
function runtimeConfig(): Plugin {
  return {
    name: 'nudge-runtime-config',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        const config = clientConfig(
          loadWebConfig({ API_URL: 'http://127.0.0.1:8080', ...process.env, PORT: undefined }),
        );
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'no-cache');
        res.end(JSON.stringify(config));
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), runtimeConfig()],
  build: { target: 'es2022', sourcemap: true },
  server: { strictPort: true },
});
