/** Decides the app path for one event, from a subscription's routing rules. */
export type RouteMatcher = (event: Record<string, unknown>) => string | undefined;

export interface RouteRules {
  rules: { match?: string | undefined; path: string }[];
  default?: string | undefined;
}

const typeEquals = /^event\.type\s*==\s*(?:"([^"\\]*)"|'([^'\\]*)')$/;

/**
 * Compiles Dapr routing rules. Dapr accepts any CEL expression; the local stack implements only
 * `event.type == "<type>"` and throws for anything else, so a rule it cannot honour fails at
 * startup instead of silently routing differently from production. Rules are tried in order,
 * then the default route; undefined means no route matched (Dapr then drops the event).
 */
export function compileRoutes(routes: RouteRules, where: string): RouteMatcher {
  // A rule without `match` is Dapr's way of writing the default route inside `rules`.
  const fallback = routes.rules.find((rule) => !rule.match)?.path ?? routes.default;
  const compiled = routes.rules.flatMap((rule) => {
    if (!rule.match) return [];
    const match = typeEquals.exec(rule.match.trim());
    if (!match) {
      throw new Error(
        `${where}: routing rule "${rule.match}" is not supported by the local stack (only event.type == "<type>")`,
      );
    }
    return [{ type: match[1] ?? match[2], path: rule.path }];
  });
  return (event) => compiled.find((rule) => event.type === rule.type)?.path ?? fallback;
}
