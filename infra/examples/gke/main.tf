# The smallest GKE deployment: metrics to Cloud Monitoring, events to Cloud Logging, the cluster's endpoint and
# CA read from the cluster itself.

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_container_cluster" "monitored" {
  project  = var.project_id
  name     = var.cluster_name
  location = var.cluster_location
}

module "heapster" {
  source = "../.."

  project_id = var.project_id
  region     = var.region
  cluster = {
    name           = var.cluster_name
    location       = var.cluster_location
    access         = "gke"
    endpoint       = "https://${data.google_container_cluster.monitored.endpoint}"
    ca_certificate = data.google_container_cluster.monitored.master_auth[0].cluster_ca_certificate
  }
  events = {
    enabled = var.events_image != null
    image   = var.events_image
  }
  alerts = {
    notification_channels = var.notification_channels
  }
}
