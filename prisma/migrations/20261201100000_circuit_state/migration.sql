-- Each integration's delivery circuit (api/delivery/circuit.ts), as last recorded by a worker: shown by the API
-- and /metrics, and the starting point of a worker that meets the integration for the first time (so a restart
-- does not send a failing destination its full concurrency again). The claim reads it for integrations the
-- claiming worker does not know yet; nothing here is indexed (the claim reads every integration once).
CREATE TYPE "CircuitState" AS ENUM ('CLOSED', 'OPEN', 'HALF_OPEN');

ALTER TABLE "webhook_integrations"
    ADD COLUMN "circuit_state" "CircuitState" NOT NULL DEFAULT 'CLOSED',
    ADD COLUMN "circuit_max_in_flight" INTEGER,
    ADD COLUMN "circuit_failures" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "circuit_changed_at" TIMESTAMPTZ(6),
    ADD COLUMN "circuit_next_probe_at" TIMESTAMPTZ(6);
