# Or, with Terraform 1.5 and later, declare the import in configuration and run terraform plan.
import {
  to = commonfate_webhook_integration.my_webhook_destination
  id = "whk_2f0ChzJvrOOqchMhRmJieErz9Bl"
}
