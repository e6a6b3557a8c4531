resource "commonfate_webhook_integration" "my_webhook_destination" {
  name                      = "My Webhook Destination"
  url                       = "https://webhook.example.com/webhook/path"
  send_audit_log_events     = true
  send_authorization_events = true

  headers = [
    {
      key   = "Authorization"
      value = "Bearer ${var.webhook_token}"
    },
    {
      key   = "X-Team"
      value = "platform"
    },
  ]

  # Only these audit log actions; leave unset to receive every action.
  filter_for_actions = ["grant.requested", "grant.approved", "grant.revoked"]
}

variable "webhook_token" {
  type      = string
  sensitive = true
}
