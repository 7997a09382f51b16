/**
 * The session: the token kept with `wx.setStorageSync`, one `wx.login` at a time (concurrent
 * callers wait for it), and calls that log in first when there is no token and once more
 * when the server answers `unauthorized`.
 */
import type { components } from './schema';
import { WxbaseError } from './errors';
import { call, Wx } from './transport';

export type LoginResult = components['schemas']['LoginResponse'];

export interface SessionOptions {
  baseUrl: string;
  timeout: number;
  storageKey: string;
}

export class Session {
  private pending: Promise<LoginResult> | null = null;

  constructor(
    private readonly wx: Wx,
    private readonly options: SessionOptions,
  ) {}

  /** The stored token, if any. */
  token(): string {
    const stored = this.wx.getStorageSync(this.options.storageKey);
    return typeof stored === 'string' ? stored : '';
  }

  /** Forgets the token (the next call logs in again). */
  clear(): void {
    this.wx.removeStorageSync(this.options.storageKey);
  }

  /** `wx.login`, then `POST /api/auth/login`; callers arriving meanwhile share this login. */
  login(): Promise<LoginResult> {
    if (!this.pending) {
      this.pending = this.exchange().then(
        (result) => {
          this.pending = null;
          return result;
        },
        (error) => {
          this.pending = null;
          throw error;
        },
      );
    }
    return this.pending;
  }

  private async exchange(): Promise<LoginResult> {
    const code = await this.wxLogin();
    const result = await call<LoginResult>(this.wx, {
      method: 'POST',
      url: `${this.options.baseUrl}/api/auth/login`,
      body: { code },
      timeout: this.options.timeout,
    });
    this.wx.setStorageSync(this.options.storageKey, result.token);
    return result;
  }

  private wxLogin(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.wx.login({
        timeout: this.options.timeout,
        success(res) {
          if (res.code) resolve(res.code);
          else reject(new WxbaseError('login_failed', res.errMsg || 'wx.login gave no code'));
        },
        fail(error) {
          reject(new WxbaseError('login_failed', (error && error.errMsg) || 'wx.login failed'));
        },
      });
    });
  }

  /**
   * Runs `send` with a token: logs in first when there is none, and once more (then sends
   * again) when the server answers `unauthorized`.
   */
  async authorized<T>(send: (token: string) => Promise<T>): Promise<T> {
    let token = this.token();
    if (!token) token = (await this.login()).token;
    try {
      return await send(token);
    } catch (error) {
      if (!(error instanceof WxbaseError) || error.error !== 'unauthorized') throw error;
      // Another caller may have logged in meanwhile: use its token rather than log in again.
      const current = this.token();
      if (current === token) this.clear();
      const fresh = current && current !== token ? current : (await this.login()).token;
      return send(fresh);
    }
  }
}
