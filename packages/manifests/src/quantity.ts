const memoryUnits: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes CPU quantity ("250m", "2") in cores. */
export function parseCpu(quantity: string | number): number {
  const text = String(quantity);
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) throw new Error(`not a CPU quantity: ${text}`);
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

/** A Kubernetes memory quantity ("128Mi", "1G") in bytes. */
export function parseMemory(quantity: string | number): number {
  const text = String(quantity);
  const match = /^(\d+(?:\.\d+)?)([kMGT]i?|Ki)?$/.exec(text);
  if (!match) throw new Error(`not a memory quantity: ${text}`);
  return Number(match[1]) * memoryUnits[match[2] ?? '']!;
}

export const formatGi = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
export const formatCores = (cores: number) => `${Math.round(cores * 1000)}m`;
