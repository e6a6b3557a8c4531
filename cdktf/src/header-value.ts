import { TerraformVariable, Token } from 'cdktf';
import { headerValueProblem } from '../../contract';

/** How a header value reaches the synthesized configuration. */
export type HeaderValueSource = 'sensitive-variable' | 'sensitive-token' | 'plain-text';

/**
 * The value of a custom delivery header. Header values usually carry credentials (`Authorization`, API keys),
 * so the only ways to make one are a sensitive Terraform variable, a token for a value Terraform already
 * treats as sensitive, or an explicit opt-in to plain text. The first two keep the secret out of the
 * synthesized `cdk.tf.json` (it holds `${var.name}`, not the value) and out of plans.
 */
export class HeaderValue {
  /**
   * A value read from a Terraform variable declared with `sensitive: true`; set it at apply time with
   * `TF_VAR_<name>` or a `.tfvars` file. `prefix`/`suffix` wrap it in literal text, e.g. `{ prefix: 'Bearer ' }`
   * for an `Authorization` header; Terraform keeps the result sensitive. A variable without `sensitive: true`
   * fails synthesis.
   */
  static fromSensitiveVariable(variable: TerraformVariable, options: { prefix?: string; suffix?: string } = {}): HeaderValue {
    const prefix = options.prefix ?? '';
    const suffix = options.suffix ?? '';
    const problems: string[] = [];
    if (variable.sensitive !== true) {
      problems.push(
        `must come from a sensitive variable: declare variable "${variable.friendlyUniqueId}" with sensitive: true, ` +
          'or use HeaderValue.plainText() for a value that is not secret',
      );
    }
    const literalProblem = headerValueProblem(prefix + suffix);
    if (literalProblem) problems.push(`prefix/suffix ${literalProblem}`);
    return new HeaderValue('sensitive-variable', `${prefix}${variable.stringValue}${suffix}`, problems);
  }

  /**
   * A token for a value Terraform already treats as sensitive, such as a sensitive attribute of another
   * resource or data source. Only a token is accepted: a literal string here fails synthesis (use
   * {@link HeaderValue.plainText} to opt in to a literal).
   */
  static fromSensitiveToken(token: string): HeaderValue {
    const problems = Token.isUnresolved(token)
      ? []
      : ['must be a token (a reference to a sensitive value); for a literal use HeaderValue.plainText()'];
    return new HeaderValue('sensitive-token', token, problems);
  }

  /**
   * A value that is not secret (a team name, a routing key). Opting in means accepting that it is written in
   * plain text into the synthesized configuration and Terraform state. It is checked at synthesis like the
   * API checks it: no CR, LF, NUL or other control characters, at most 4096 characters.
   */
  static plainText(value: string): HeaderValue {
    const problem = Token.isUnresolved(value) ? undefined : headerValueProblem(value);
    return new HeaderValue('plain-text', value, problem ? [problem] : []);
  }

  private constructor(
    /** How the value was given. */
    readonly source: HeaderValueSource,
    /** What goes into the configuration: a token reference unless the source is plain text. */
    readonly terraformValue: string,
    /** Why the value is refused; messages never repeat the value. */
    readonly problems: readonly string[],
  ) {}
}
