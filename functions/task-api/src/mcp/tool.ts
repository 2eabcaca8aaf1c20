import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { AppError, type Logger, RateLimitedError } from '@nudge/core';
import type { z } from 'zod';
import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';

/** What a tool runs with: the request's caller and task-api's dependencies. */
export interface ToolContext {
  deps: Deps;
  user: Principal;
}

/** What a tool's body answers: the structured result (matching its output schema) and a short summary. */
export interface ToolAnswer<O> {
  result: O;
  summary: string;
}

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  /** Written for the model: when to use the tool and what it does. */
  description: string;
  input: I;
  output: O;
  /** True when a success may have committed outbox rows: the relay is kicked afterwards. */
  mutates: boolean;
  annotations?: ToolAnnotations;
  run(args: z.output<I>, context: ToolContext, now: Date): Promise<ToolAnswer<z.output<O>>>;
}

/** Declares a tool; the generic ties `run`'s arguments and result to its schemas. */
export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>) => spec;

function describe(error: AppError): string {
  switch (error.code) {
    case 'validation_failed':
      return error.details.length > 0
        ? `Invalid input — ${error.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`
        : `Invalid input — ${error.message}`;
    case 'not_found':
      return `${error.message}. Check the id, or search with find_tasks.`;
    case 'rate_limited':
      return `Rate limit reached: ${error.message}. Nothing was done.`;
    default:
      return error.message;
  }
}

/**
 * The one place a thrown error becomes an MCP tool error (`isError: true`) the model can act on.
 * An AppError says what to fix; anything else is logged and answered without its internal text.
 */
export function toolError(error: unknown, logger: Logger, tool: string): CallToolResult {
  let text: string;
  if (error instanceof AppError && error.code !== 'internal') {
    text = describe(error);
  } else {
    logger.error(
      {
        tool,
        err:
          error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : error,
      },
      'mcp tool failed',
    );
    text = 'Nudge hit an internal error and could not finish this request; try again in a moment.';
  }
  return { isError: true, content: [{ type: 'text', text }] };
}

/**
 * Registers a tool on the server. Every call takes a token from the caller's rate-limit bucket
 * (the API's limiter, so MCP and REST share one budget), runs the tool for that user only, kicks
 * the relay after a committed mutation, and answers structured content plus a text summary.
 */
export function registerTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  spec: ToolSpec<I, O>,
  context: ToolContext,
): void {
  const { deps, user } = context;
  const callback = async (args: z.output<I>): Promise<CallToolResult> => {
    try {
      const wait = deps.rateLimit(user.sub);
      if (wait > 0) throw new RateLimitedError(wait);
      const { result, summary } = await spec.run(args, context, deps.clock.now());
      deps.metrics.taskOperations.inc({ operation: `mcp_${spec.name}` });
      if (spec.mutates) deps.relay.kick();
      return { content: [{ type: 'text', text: summary }], structuredContent: result };
    } catch (error) {
      return toolError(error, deps.logger, spec.name);
    }
  };
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: spec.input,
      outputSchema: spec.output,
      annotations: { title: spec.title, ...spec.annotations },
    },
    // The SDK's callback type is a conditional over its own zod-compat types; the schemas above are what it validates with.
    callback as never,
  );
}
