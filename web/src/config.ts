/** `/config.json`, served by the web server from its environment (web/server/config.ts). */
export interface ClientConfig {
  api_url: string;
  oidc: { issuer: string; client_id: string; scope: string } | null;
}

export async function loadClientConfig(): Promise<ClientConfig> {
  const response = await fetch('/config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return (await response.json()) as ClientConfig;
}
