/**
 * Heapster's source and sink syntax, `PREFIX[:URL][?options]`, e.g.
 *   kubernetes.summary_api:https://kubernetes.default?kubeletHttps=true&kubeletPort=10250
 *   influxdb:http://monitoring-influxdb:8086?db=k8s
 *   gcm?project=my-project
 *   log
 * parsed at the edge into a prefix, an optional URL and the options; typed configs are built from it.
 */
export interface HeapsterUri {
  /** The whole text, for error messages. */
  readonly text: string;
  readonly prefix: string;
  /** The URL part, undefined when empty (Heapster wrote `kubernetes.summary_api:''` for "the default"). */
  readonly url: string | undefined;
  readonly options: URLSearchParams;
}

export function parseHeapsterUri(text: string): HeapsterUri {
  const trimmed = text.trim();
  const cut = trimmed.search(/[:?]/);
  const prefix = cut === -1 ? trimmed : trimmed.slice(0, cut);
  let rest = cut === -1 ? '' : trimmed.slice(cut);
  if (rest.startsWith(':')) rest = rest.slice(1);
  const q = rest.indexOf('?');
  const urlPart = (q === -1 ? rest : rest.slice(0, q)).trim();
  const query = q === -1 ? '' : rest.slice(q + 1);
  const url = urlPart === '' || urlPart === "''" || urlPart === '""' ? undefined : urlPart;
  return { text: trimmed, prefix, url, options: new URLSearchParams(query) };
}

/** A list of URIs in one variable: separated by whitespace (URIs never hold any; commas may be in options). */
export function splitUriList(value: string): string[] {
  return value.split(/\s+/).filter((s) => s !== '');
}
