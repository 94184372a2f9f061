# Heapster Serverless on Google Cloud: the scrape function called by Cloud Scheduler, the events service on
# Cloud Run, their state in Firestore and Secret Manager, and the dashboard and alerts that watch them.
# Every resource names its project and region: no provider block is needed here, so the examples can call
# this folder as a module.

module "apis" {
  source = "./modules/apis"
  count  = var.enable_apis ? 1 : 0

  project_id = var.project_id
  services   = toset(local.apis)
}

module "source" {
  source = "./modules/source"

  project_id   = var.project_id
  location     = var.region
  bucket_name  = "${var.project_id}-${local.name}-source"
  archive_path = coalesce(var.source_archive, "${path.module}/../dist/heapster-serverless.zip")
  labels       = var.labels

  depends_on = [module.apis]
}

module "state" {
  source = "./modules/state"

  project_id        = var.project_id
  database_id       = var.firestore.database
  location          = coalesce(var.firestore.location, var.region)
  delete_protection = var.firestore.delete_protection
  secrets           = local.secret_ids
  cluster_ca_pem    = local.cluster_ca_pem
  labels            = var.labels

  depends_on = [module.apis]
}

module "scrape" {
  source = "./modules/scrape-function"

  project_id            = var.project_id
  region                = var.region
  name                  = "${local.name}-scrape"
  source_archive        = { bucket = module.source.bucket, object = module.source.object }
  environment           = local.scrape_environment
  secret_environment    = local.secret_environment
  secret_files          = local.secret_files
  timeout_seconds       = var.scrape.timeout_seconds
  memory                = var.scrape.memory
  cpu                   = var.scrape.cpu
  write_metrics         = local.gcm.enabled
  cluster_access        = var.cluster.access
  sharding              = var.sharding
  vpc_access            = var.vpc_access
  build_service_account = var.scrape.build_service_account
  labels                = var.labels

  # The secrets (and the CA's version) exist before the first instance starts.
  depends_on = [module.state]
}

module "scheduler" {
  source = "./modules/scheduler"

  project_id = var.project_id
  region     = var.region
  name       = "${local.name}-scrape"
  target = {
    uri     = module.scrape.function_uri
    service = module.scrape.function_name
  }
  interval_seconds = var.resolution_seconds
  # Cold start and answer on top of the function's own timeout, within Scheduler's 30 minutes.
  attempt_deadline_seconds = min(1800, var.scrape.timeout_seconds + 10)
}

module "events" {
  source = "./modules/events-service"
  count  = var.events.enabled ? 1 : 0

  project_id         = var.project_id
  region             = var.region
  name               = "${local.name}-events"
  image              = var.events.image
  environment        = local.events_environment
  secret_environment = try(var.sinks.influxdb.events, false) ? local.secret_environment : {}
  secret_files       = local.secret_files
  write_logs         = var.sinks.gcl.enabled
  cluster_access     = var.cluster.access
  cpu                = var.events.cpu
  memory             = var.events.memory
  vpc_access         = var.vpc_access
  labels             = var.labels

  depends_on = [module.state]
}

module "monitoring" {
  source = "./modules/monitoring"

  project_id            = var.project_id
  name_prefix           = local.name
  cluster_name          = var.cluster.name
  scrape_function       = module.scrape.function_name
  events_service        = var.events.enabled ? "${local.name}-events" : null
  event_log_id          = var.events.enabled && var.sinks.gcl.enabled ? var.sinks.gcl.log_id : null
  interval_seconds      = var.resolution_seconds
  missed_rounds         = var.alerts.missed_rounds
  events_quiet_minutes  = var.alerts.events_quiet_minutes
  notification_channels = var.alerts.notification_channels

  depends_on = [module.apis]
}
