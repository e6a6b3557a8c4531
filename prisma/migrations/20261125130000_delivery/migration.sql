-- Event delivery: audit events, the grants workflow that emits them, and the webhook delivery queue
-- (one row per event x integration, written in the same transaction as the event).

CREATE TYPE "DeliveryStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

CREATE TYPE "EventKind" AS ENUM ('AUDIT', 'AUTHORIZATION');

CREATE TYPE "GrantStatus" AS ENUM ('PENDING', 'APPROVED', 'ACTIVE', 'CLOSED');

CREATE TYPE "ProvisioningStatus" AS ENUM ('NONE', 'PENDING', 'PROVISIONED', 'ERROR', 'DEPROVISION_PENDING', 'DEPROVISIONED', 'DEPROVISIONING_ERROR');

-- After a rotation the previous secret keeps signing beside the new one until it expires.
ALTER TABLE "webhook_integrations" ADD COLUMN "previous_signing_secret" TEXT,
ADD COLUMN "previous_secret_expires_at" TIMESTAMPTZ(6);

-- json (not jsonb) keeps the event text byte for byte, so deliveries send the fields in the seed's order.
ALTER TABLE "authorization_evaluations" ALTER COLUMN "payload" SET DATA TYPE JSON USING "payload"::json;

CREATE TABLE "audit_events" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "grant_id" TEXT,
    "payload" JSON NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "audit_events_action_id_idx" ON "audit_events"("action", "id");

CREATE TABLE "access_requests" (
    "id" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "justification" TEXT NOT NULL,
    "duration_seconds" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_requests_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "grants" (
    "id" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "role_type" TEXT NOT NULL,
    "role_id" TEXT NOT NULL,
    "status" "GrantStatus" NOT NULL DEFAULT 'PENDING',
    "provisioning" "ProvisioningStatus" NOT NULL DEFAULT 'NONE',
    "duration_seconds" INTEGER NOT NULL,
    "activated_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "closed_reason" TEXT,
    "cause_eval" TEXT NOT NULL DEFAULT '',
    "last_error" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grants_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "grants_status_expires_at_idx" ON "grants"("status", "expires_at");

CREATE INDEX "grants_provisioning_idx" ON "grants"("provisioning");

CREATE TABLE "grant_assignments" (
    "grant_id" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "role_type" TEXT NOT NULL,
    "role_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grant_assignments_pkey" PRIMARY KEY ("grant_id")
);

CREATE TABLE "deliveries" (
    "id" TEXT NOT NULL,
    "integration_id" TEXT NOT NULL,
    "event_kind" "EventKind" NOT NULL,
    "event_id" TEXT NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_expires_at" TIMESTAMPTZ(6),
    "leased_by" TEXT,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(6),

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "deliveries_status_next_attempt_at_idx" ON "deliveries"("status", "next_attempt_at");

CREATE INDEX "deliveries_integration_id_status_next_attempt_at_idx" ON "deliveries"("integration_id", "status", "next_attempt_at");

CREATE INDEX "deliveries_integration_id_id_idx" ON "deliveries"("integration_id", "id");

CREATE TABLE "delivery_attempts" (
    "id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "attempted_at" TIMESTAMPTZ(6) NOT NULL,
    "status_code" INTEGER,
    "duration_ms" INTEGER NOT NULL,
    "response_excerpt" TEXT,
    "error" TEXT,

    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "delivery_attempts_delivery_id_idx" ON "delivery_attempts"("delivery_id");

ALTER TABLE "grants" ADD CONSTRAINT "grants_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

ALTER TABLE "grant_assignments" ADD CONSTRAINT "grant_assignments_grant_id_fkey" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_integration_id_fkey" FOREIGN KEY ("integration_id") REFERENCES "webhook_integrations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
