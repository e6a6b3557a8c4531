import type { z } from 'zod';
import { validationError, type FieldProblem } from '../errors';

/** Renders a zod path as the JSON path clients see: `headers[0].key`. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Every zod issue as a field problem; unknown keys become one problem each, at the key's own path. */
export function zodProblems(error: z.ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: jsonPath([...issue.path, key]), message: 'is not a known field' });
    } else {
      problems.push({ path: jsonPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Parses `input` or throws a validation error listing every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, detail?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(zodProblems(result.error), detail);
  return result.data;
}
