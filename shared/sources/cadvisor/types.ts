/** A machine whose cAdvisor is scraped, as the hosts file or fleet names it. */
export interface CadvisorHost {
  /** The nodename label: the hosts file's Name, or fleet's machine ID (as Heapster keyed fleet machines). */
  readonly nodeName: string;
  /** The hostname label. */
  readonly hostname: string;
  /** The host_id label: fleet's machine ID; else the machine_id cAdvisor reports. */
  readonly hostId?: string;
  /** Where its cAdvisor answers; undefined when fleet listed the machine without an address. */
  readonly address: string | undefined;
  readonly port: number;
}

/** The cAdvisor API levels read: v2.0 when the host serves it, else v1.3. */
export const API_LEVELS = ['v2.0', 'v1.3'] as const;
export type ApiLevel = (typeof API_LEVELS)[number];

/** What one host answered, JSON-parsed: the input of the pure stages. */
export type HostAnswer =
  | { readonly version: 'v1.3'; readonly machine: unknown; readonly subcontainers: unknown }
  | { readonly version: 'v2.0'; readonly machine: unknown; readonly spec: unknown; readonly stats: unknown };
