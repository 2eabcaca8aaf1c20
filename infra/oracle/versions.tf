terraform {
  required_version = ">= 1.5.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = "~> 7.0"
    }
  }
}

# API-key authentication from ~/.oci/config (created by `oci setup config` or the console's
# "Add API key" dialog); the profile name is a variable.
provider "oci" {
  config_file_profile = var.oci_profile
  region              = var.region
}
