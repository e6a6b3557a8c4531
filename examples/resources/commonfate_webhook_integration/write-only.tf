# Terraform 1.11 and later: a write-only header value never enters the plan or the state.
resource "commonfate_webhook_integration" "write_only" {
  name                  = "Audit sink"
  url                   = "https://webhook.example.com/audit"
  send_audit_log_events = true

  headers = [
    {
      key      = "Authorization"
      value_wo = "Bearer ${var.audit_sink_token}"
    },
  ]
  # Change (e.g. increment) it to send the write-only values again after the token changed.
  headers_wo_version = 1
}

# Ephemeral (Terraform 1.10 and later): the value is not stored in plan or state either.
variable "audit_sink_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
