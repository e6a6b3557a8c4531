-- Data lifecycle (api/retention/): integrations an operator has paused, time partitions for the two event
-- tables so that retention drops whole partitions instead of deleting rows, and the sweeper's bookkeeping.

-- An operator holds deliveries to a destination: new events still queue for it, nothing is attempted.
-- (ADD VALUE commits with this migration; nothing below uses the new value.)
ALTER TYPE "IntegrationStatus" ADD VALUE 'PAUSED';

-- Events are partitioned by RANGE of their id. Ids are a prefix and a KSUID, whose first digits are the time
-- in seconds, so an id range is a time range: the retention sweeper creates partitions ahead of time and
-- drops those wholly older than the retention (api/retention/partitions.ts), and a lookup by id (the API, the
-- delivery claim's payload lookup) touches exactly one partition. Partition keys must be in every unique
-- index, which the primary key on id is. Ids compare byte-wise (COLLATE "C"): KSUIDs sort by time only in byte
-- order, and a database whose default collation is a language's (en-US sorts "aZ" before "B0") would route
-- rows to the wrong time range.
--
-- Rows already stored stay where they are: the old table becomes the first partition, covering every id up to
-- the newest one (attaching it reads it once to check the bound). The sweeper drops it once that newest row is
-- past retention. An empty old table is simply dropped.

ALTER TABLE "authorization_evaluations" RENAME TO "authorization_evaluations_legacy";
ALTER TABLE "authorization_evaluations_legacy" RENAME CONSTRAINT "authorization_evaluations_pkey" TO "authorization_evaluations_legacy_pkey";
ALTER INDEX "authorization_evaluations_evaluated_at_idx" RENAME TO "authorization_evaluations_legacy_evaluated_at_idx";

CREATE TABLE "authorization_evaluations" (
    "id" TEXT COLLATE "C" NOT NULL,
    "principal" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "allowed" BOOLEAN NOT NULL,
    "payload" JSON NOT NULL,
    "evaluated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "authorization_evaluations_pkey" PRIMARY KEY ("id")
) PARTITION BY RANGE ("id");

CREATE INDEX "authorization_evaluations_evaluated_at_idx" ON "authorization_evaluations"("evaluated_at");

ALTER TABLE "audit_events" RENAME TO "audit_events_legacy";
ALTER TABLE "audit_events_legacy" RENAME CONSTRAINT "audit_events_pkey" TO "audit_events_legacy_pkey";
ALTER INDEX "audit_events_action_id_idx" RENAME TO "audit_events_legacy_action_id_idx";
ALTER INDEX "audit_events_occurred_at_id_idx" RENAME TO "audit_events_legacy_occurred_at_id_idx";

CREATE TABLE "audit_events" (
    "id" TEXT COLLATE "C" NOT NULL,
    "action" TEXT NOT NULL,
    "grant_id" TEXT,
    "payload" JSON NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
) PARTITION BY RANGE ("id");

CREATE INDEX "audit_events_action_id_idx" ON "audit_events"("action", "id");
CREATE INDEX "audit_events_occurred_at_id_idx" ON "audit_events"("occurred_at", "id");

DO $$
DECLARE
  t text;
  upper_bound text;
BEGIN
  FOREACH t IN ARRAY ARRAY['authorization_evaluations', 'audit_events'] LOOP
    EXECUTE format('SELECT max(id COLLATE "C") || %L FROM %I', '~', t || '_legacy') INTO upper_bound;
    IF upper_bound IS NULL THEN
      EXECUTE format('DROP TABLE %I', t || '_legacy');
    ELSE
      EXECUTE format('ALTER TABLE %I ALTER COLUMN id TYPE TEXT COLLATE "C"', t || '_legacy');
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', t, t || '_legacy', upper_bound);
    END IF;
  END LOOP;
END $$;

-- What the sweeper last did, whichever process ran it: every process exports it to /metrics, so an alert can
-- tell that sweeps stopped (api/retention/metrics.ts).
CREATE TABLE "retention_sweeps" (
    "name" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "finished_at" TIMESTAMPTZ(6),
    "duration_ms" INTEGER,
    "pruned" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "retention_sweeps_pkey" PRIMARY KEY ("name")
);
