import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { AppError, errorResponse, jsonResponse, logFields } from '@nudge/core';
import type { Hono } from 'hono';
import type { Principal } from '../auth.ts';
import { requestBody } from '../body.ts';
import type { Deps } from '../deps.ts';
import type { ApiEnv } from '../routes/route.ts';
import { createMcpServer } from './server.ts';

export const metadataPath = '/.well-known/oauth-protected-resource';

/** A JSON-RPC error outside any request, as the SDK's transport answers them. */
const rpcError = (status: number, message: string, headers: Record<string, string> = {}) =>
  jsonResponse(status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null }, headers);

/** task-api's public base URL: PUBLIC_URL, else what the request was addressed to (TLS ends at the ingress). */
function baseUrl(deps: Deps, request: Request): string {
  if (deps.publicUrl) return deps.publicUrl;
  const url = new URL(request.url);
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || url.protocol.slice(0, -1);
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || url.host;
  return `${proto}://${host}`;
}

/**
 * DNS-rebinding protection: a browser always sends Origin, so a page on a foreign origin (or a
 * rebound name) is refused; a client that is not a browser sends none and is let through to
 * authentication. Allowed origins are CORS_ORIGINS. (Done here rather than with the SDK's
 * deprecated transport options, which would allow every origin when the list is empty.)
 */
function originAllowed(deps: Deps, request: Request): boolean {
  const origin = request.headers.get('origin');
  return !origin || deps.corsOrigins.includes('*') || deps.corsOrigins.includes(origin);
}

/**
 * `POST /mcp` — MCP over Streamable HTTP, stateless: each request gets its own server and
 * transport (the SDK's stateless pattern), so any replica answers and Knative may scale to zero;
 * GET (a server-initiated stream) and DELETE (ending a session) have nothing to serve: 405.
 * The caller is the bearer JWT's user, as on /api; a missing or bad token answers 401 pointing
 * at the RFC 9728 metadata below, which is how an MCP client finds where to sign in.
 */
export function mcpRoutes(app: Hono<ApiEnv>, deps: Deps): void {
  app.get(metadataPath, (c) => {
    c.set('route', metadataPath);
    const base = baseUrl(deps, c.req.raw);
    return jsonResponse(200, {
      resource: base,
      ...(deps.authIssuer ? { authorization_servers: [deps.authIssuer] } : {}),
      bearer_methods_supported: ['header'],
      resource_name: 'Nudge',
      resource_documentation: `${base}/openapi.json`,
    });
  });

  app.on(['GET', 'DELETE'], '/mcp', (c) => {
    c.set('route', '/mcp');
    return rpcError(405, 'Method not allowed: this MCP server is stateless; POST requests only.', {
      allow: 'POST',
    });
  });

  app.post('/mcp', async (c) => {
    c.set('route', '/mcp');
    const request = c.req.raw;
    if (!originAllowed(deps, request)) return rpcError(403, 'Origin not allowed');
    let user: Principal;
    try {
      user = await deps.authenticate(request.headers.get('authorization') ?? undefined);
    } catch (error) {
      const response = errorResponse(error);
      if (error instanceof AppError && error.code === 'unauthorized') {
        const resourceMetadata = `${baseUrl(deps, request)}${metadataPath}`;
        const hasToken = request.headers.has('authorization');
        response.headers.set(
          'www-authenticate',
          `Bearer ${hasToken ? 'error="invalid_token", ' : ''}resource_metadata="${resourceMetadata}"`,
        );
      }
      return response;
    }
    logFields(c, { user_id: user.sub });
    const body = await requestBody(request);
    await deps.ensureUser(user);

    const server = createMcpServer({ deps, user });
    // JSON answers, no SSE: every tool is a short request/response, and a plain JSON body passes any proxy.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      return await transport.handleRequest(request, { parsedBody: body });
    } finally {
      await server.close();
    }
  });
}
