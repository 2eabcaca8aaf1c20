data "oci_identity_availability_domains" "all" {
  compartment_id = var.tenancy_ocid
}

# Newest Canonical Ubuntu 24.04 image built for the Ampere A1 shape (aarch64).
data "oci_core_images" "ubuntu_arm" {
  compartment_id           = var.compartment_ocid
  operating_system         = "Canonical Ubuntu"
  operating_system_version = "24.04"
  shape                    = "VM.Standard.A1.Flex"
  sort_by                  = "TIMECREATED"
  sort_order               = "DESC"
}

# The whole Always Free Ampere allowance in one VM: 4 OCPU, 24 GB. The boot volume stays well
# inside the 200 GB of free block storage.
resource "oci_core_instance" "nudge" {
  compartment_id      = var.compartment_ocid
  availability_domain = data.oci_identity_availability_domains.all.availability_domains[var.availability_domain_index].name
  display_name        = "nudge"
  shape               = "VM.Standard.A1.Flex"

  shape_config {
    ocpus         = 4
    memory_in_gbs = 24
  }

  source_details {
    source_type             = "image"
    source_id               = data.oci_core_images.ubuntu_arm.images[0].id
    boot_volume_size_in_gbs = 100
  }

  create_vnic_details {
    subnet_id        = oci_core_subnet.nudge.id
    assign_public_ip = true
    hostname_label   = "nudge"
  }

  metadata = {
    ssh_authorized_keys = file(pathexpand(var.ssh_public_key_path))
    user_data = base64encode(templatefile("${path.module}/cloud-init.yaml", {
      k3s_version = var.k3s_version
    }))
  }

  lifecycle {
    # A newer image must not replace a running VM (and its data).
    ignore_changes = [source_details[0].source_id, metadata]
  }
}
