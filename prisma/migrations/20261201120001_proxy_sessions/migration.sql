-- Proxy sessions on active grants (proxy.session.started / proxy.session.ended), and breakglass activation.
CREATE TYPE "ProxySessionStatus" AS ENUM ('ACTIVE', 'ENDED');

CREATE TABLE "proxy_sessions" (
    "id" TEXT NOT NULL,
    "grant_id" TEXT NOT NULL,
    "status" "ProxySessionStatus" NOT NULL DEFAULT 'ACTIVE',
    "started_by" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(6),
    "end_reason" TEXT,

    CONSTRAINT "proxy_sessions_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "proxy_sessions_grant_id_status_idx" ON "proxy_sessions"("grant_id", "status");

ALTER TABLE "proxy_sessions" ADD CONSTRAINT "proxy_sessions_grant_id_fkey" FOREIGN KEY ("grant_id") REFERENCES "grants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "grants" ADD COLUMN "breakglass" BOOLEAN NOT NULL DEFAULT false;
