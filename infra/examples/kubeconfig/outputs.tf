output "secrets_to_fill" {
  description = "Secrets that need a value before the workloads start: the kubeconfig and, with InfluxDB, its token."
  value       = module.heapster.secrets_to_fill
}

output "dashboard" {
  description = "Console link of the cluster's dashboard."
  value       = module.heapster.dashboard
}
