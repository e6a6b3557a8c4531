terraform {
  required_providers {
    commonfate = {
      source  = "common-fate/commonfate"
      version = "~> 0.1"
    }
  }
}

# With an API key (or leave the block empty and set CF_API_URL and CF_API_KEY).
provider "commonfate" {
  api_url = "https://commonfate.example.com"
  api_key = var.commonfate_api_key
}

variable "commonfate_api_key" {
  type      = string
  sensitive = true
}

# Or with OAuth2 client credentials from your identity provider, as Common Fate's provider documentation writes it
# (authz_url is accepted; authorization is served at api_url, so give both the same URL):
#
# provider "commonfate" {
#   api_url            = "https://commonfate.example.com"
#   authz_url          = "https://commonfate.example.com"
#   oidc_issuer        = "https://idp.example.com"
#   oidc_client_id     = "terraform"
#   oidc_client_secret = var.oidc_client_secret
#   oidc_scopes        = ["commonfate/admin"]             # what your identity provider needs; see the README
#   oidc_audience      = "https://commonfate.example.com" # the API's identifier there, if it has one
# }
