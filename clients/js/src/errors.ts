/** RFC 9457 problem details as the API sends them, with the seed's `error` member. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  error?: string;
  /** Per-field messages on a 400. */
  errors?: Record<string, string[]>;
  [member: string]: unknown;
}

/** A refused or failed call: `status` 0 when the server could not be reached. */
export class PhyghtError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    /** Seconds, from `Retry-After` on 429 and 503. */
    readonly retryAfter?: number,
    options?: ErrorOptions,
  ) {
    super(problem?.detail ?? problem?.title ?? (status === 0 ? "The Phyght API could not be reached." : `HTTP ${status}`), options);
    this.name = "PhyghtError";
  }

  /** Worth retrying as it is: the network, a timeout, rate limiting or the server's own trouble. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  static async fromResponse(response: Response): Promise<PhyghtError> {
    let problem: Problem | undefined;
    try {
      const text = await response.text();
      problem = text ? (JSON.parse(text) as Problem) : undefined;
    } catch {
      problem = undefined;
    }
    return PhyghtError.of(response, problem);
  }

  /** The refusal in a response whose body was already read. */
  static of(response: Response, problem: Problem | undefined): PhyghtError {
    const retryAfter = Number(response.headers.get("retry-after"));
    return new PhyghtError(response.status, problem, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }

  static network(cause: unknown): PhyghtError {
    return new PhyghtError(0, undefined, undefined, { cause });
  }
}
