import express from 'express';
import { Pool } from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * The API benchmark's baseline: a bare Express handler doing the same single `pg` statement per request as the
 * real endpoint's database work — no authentication, no policy, no stored evaluation, no validation.
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.CF_DB_POOL_SIZE ?? 10) });
const app = express();
app.use(express.json());
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.get('/v1/webhook-integrations/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM webhook_integrations WHERE id = $1', [req.params.id]);
  res.json(rows[0]);
});
app.post('/v1/webhook-integrations', async (req, res) => {
  const id = 'whk_' + randomBytes(14).toString('hex').slice(0, 27);
  const { rows } = await pool.query(
    `INSERT INTO webhook_integrations (id, name, url, headers, signing_secret) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [id, req.body.name, req.body.url, JSON.stringify(req.body.headers ?? []), 'whsec_x'],
  );
  res.status(201).json(rows[0]);
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
