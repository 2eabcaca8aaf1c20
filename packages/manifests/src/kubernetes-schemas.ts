// Schema checks for core Kubernetes objects and Knative Services, using the OpenAPI-generated
// validators of kubernetes-models and @kubernetes-models/knative. cert-manager's ClusterIssuer
// has no such package here, so it gets a zod schema written from cert-manager's ACME docs.
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { z } from 'zod';
import type { K8sObject } from './repo.ts';

type Validator = (object: K8sObject) => void;
const model =
  (Model: new (data: any) => { validate(): void }): Validator =>
  (object) =>
    new Model(object).validate();

const clusterIssuerSchema = z
  .object({
    apiVersion: z.literal('cert-manager.io/v1'),
    kind: z.literal('ClusterIssuer'),
    metadata: z.object({ name: z.string().min(1) }).strict(),
    spec: z
      .object({
        acme: z
          .object({
            server: z.url(),
            email: z.string().min(1),
            privateKeySecretRef: z.object({ name: z.string().min(1) }).strict(),
            solvers: z
              .array(
                z
                  .object({
                    http01: z
                      .object({
                        ingress: z
                          .object({ class: z.string().optional(), ingressClassName: z.string().optional() })
                          .strict(),
                      })
                      .strict(),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

const validators: Record<string, Validator> = {
  'serving.knative.dev/v1/Service': model(KnativeService),
  'apps/v1/Deployment': model(Deployment),
  'apps/v1/StatefulSet': model(StatefulSet),
  'autoscaling/v2/HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'batch/v1/Job': model(Job),
  'v1/ConfigMap': model(ConfigMap),
  'v1/Namespace': model(Namespace),
  'v1/Secret': model(Secret),
  'v1/Service': model(Service),
  'cert-manager.io/v1/ClusterIssuer': (object) => {
    clusterIssuerSchema.parse(object);
  },
};

/** Throws a readable error when the object does not match its kind's schema (or its kind is unknown). */
export function validateKubernetesObject(object: K8sObject): void {
  const validate = validators[`${object.apiVersion}/${object.kind}`];
  if (!validate)
    throw new Error(`no schema for ${object.apiVersion} ${object.kind}: add one before deploying it`);
  validate(object);
}
