import { describe, expect, it } from 'vitest';
import { hasCommand, kustomizeBuild } from '../src/kustomize.ts';
import { readRepoFile } from '../src/repo.ts';

const kubectl = hasCommand('kubectl');
const skipNote = kubectl ? '' : ' (skipped: kubectl is not installed)';

// /mcp is a path of task-api, not a service of its own: it is public over HTTPS exactly when
// task-api is. These checks fail if the oracle deployment ever narrows that.
describe('the oracle overlay exposes task-api, and so /mcp, over HTTPS', () => {
  it.skipIf(!kubectl)(
    `task-api is a public Knative Service, with nothing routing only some of its paths${skipNote}`,
    () => {
      const objects = kustomizeBuild('knative/overlays/oracle');
      const taskApi = objects.find(
        (o) =>
          o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service' && o.metadata.name === 'task-api',
      );
      expect(taskApi).toBeDefined();
      const labels: Record<string, string> = (taskApi!.metadata as any).labels ?? {};
      // cluster-local would hide it (and with it /mcp) from the internet.
      expect(labels['networking.knative.dev/visibility']).toBeUndefined();
      const routing = objects.filter((o) => ['Ingress', 'HTTPRoute', 'DomainMapping'].includes(o.kind));
      expect(routing.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    },
  );

  it('every external Knative domain gets a certificate and plain HTTP is redirected to HTTPS', () => {
    const tls = readRepoFile('knative/platform/oracle/knative-tls.yaml');
    expect(tls).toMatch(/external-domain-tls: Enabled/);
    expect(tls).toMatch(/http-protocol: Redirected/);
  });
});
