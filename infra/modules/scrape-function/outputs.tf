output "function_name" {
  description = "Name of the scrape function (and of the Cloud Run service behind it)."
  value       = google_cloudfunctions2_function.this["scrape"].name
}

output "function_uri" {
  description = "HTTPS endpoint of the scrape function: the scheduler's target and OIDC audience."
  value       = google_cloudfunctions2_function.this["scrape"].service_config[0].uri
}

output "service_account_email" {
  description = "Identity the scrape (and shard) function runs as."
  value       = google_service_account.scrape.email
}

output "shard_topic" {
  description = "Topic the scrape function publishes shards to; null when sharding is off."
  value       = local.sharded ? google_pubsub_topic.shards[0].id : null
}

output "shard_function_name" {
  description = "Name of the scrapeShard function; null when sharding is off."
  value       = local.sharded ? google_cloudfunctions2_function.this["shard"].name : null
}

output "dead_letter_subscription" {
  description = "Subscription holding shards that failed every delivery; null when sharding is off."
  value       = local.sharded ? google_pubsub_subscription.dead_letter[0].id : null
}
