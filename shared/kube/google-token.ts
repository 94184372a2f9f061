import { googleAuthLibrary } from 'google-gax';

/**
 * An OAuth access token for the workload's own Google identity (application default credentials: the
 * function's or service's service account on GCP, the user's gcloud login locally), for GKE's auth=google.
 * The library caches and refreshes the token; asked only when a source uses auth=google.
 */
export function googleAccessTokenSource(): () => Promise<string> {
  let auth: InstanceType<typeof googleAuthLibrary.GoogleAuth> | undefined;
  return async () => {
    auth ??= new googleAuthLibrary.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    const token = await auth.getAccessToken();
    if (!token) throw new Error('no Google access token for this workload identity');
    return token;
  };
}
