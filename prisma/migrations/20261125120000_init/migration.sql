-- Webhook integrations, API keys and authorization evaluations.

CREATE TYPE "IntegrationStatus" AS ENUM ('HEALTHY', 'UNHEALTHY', 'DISABLED');

CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'read_only');

CREATE TABLE "webhook_integrations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "send_audit_log_events" BOOLEAN NOT NULL DEFAULT false,
    "send_authorization_events" BOOLEAN NOT NULL DEFAULT false,
    "headers" JSONB NOT NULL DEFAULT '[]',
    "filter_for_actions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "signing_secret" TEXT NOT NULL,
    "status" "IntegrationStatus" NOT NULL DEFAULT 'HEALTHY',
    "last_error" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_integrations_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

CREATE TABLE "authorization_evaluations" (
    "id" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "allowed" BOOLEAN NOT NULL,
    "payload" JSONB NOT NULL,
    "evaluated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "authorization_evaluations_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "authorization_evaluations_evaluated_at_idx" ON "authorization_evaluations"("evaluated_at");
