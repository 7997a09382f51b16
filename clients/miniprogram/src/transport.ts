/**
 * One HTTP exchange over `wx.request` or `wx.uploadFile`, unwrapped: the envelope's `data`,
 * or a `WxbaseError` (the server's code, `network` when no answer came, `bad_response` when
 * the answer is not the envelope).
 */
import { WxbaseError } from './errors';

/** What the client needs of `wx`: the real one, or uni-app's and Taro's (which expose it). */
export type Wx = Pick<
  WechatMiniprogram.Wx,
  'request' | 'uploadFile' | 'login' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'
>;

/** The methods `wx.request` can send that wxbase's routes use (`wx.request` has no `PATCH`). */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Upload progress, as `wx.uploadFile` reports it. */
export interface UploadProgress {
  /** Percent, 0 to 100. */
  progress: number;
  totalBytesSent: number;
  totalBytesExpectedToSend: number;
}

export interface Exchange {
  method: Method;
  url: string;
  token?: string;
  body?: unknown;
  timeout: number;
}

export interface UploadExchange {
  url: string;
  token?: string;
  filePath: string;
  formData: Record<string, string>;
  timeout: number;
  onProgress?: (progress: UploadProgress) => void;
}

function headerValue(header: unknown, name: string): string {
  if (!header || typeof header !== 'object') return '';
  const record = header as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === name) return String(record[key]);
  }
  return '';
}

/** The envelope's `data`, or the error it carries. */
function unwrap<T>(statusCode: number, header: unknown, body: unknown): T {
  const requestId = headerValue(header, 'x-request-id');
  let envelope = body;
  if (typeof envelope === 'string') {
    try {
      envelope = JSON.parse(envelope);
    } catch (_) {
      envelope = undefined;
    }
  }
  const answer = envelope as { code?: unknown; data?: unknown; message?: unknown; error?: unknown };
  if (!answer || typeof answer !== 'object' || (answer.code !== 0 && answer.code !== 1)) {
    throw new WxbaseError(
      'bad_response',
      `HTTP ${statusCode}: the answer is not wxbase's envelope`,
      requestId,
      statusCode,
    );
  }
  if (answer.code === 1) return answer.data as T;
  const code = typeof answer.error === 'string' ? answer.error : 'internal';
  const message = typeof answer.message === 'string' ? answer.message : code;
  throw new WxbaseError(code as WxbaseError['error'], message, requestId, statusCode);
}

function authorization(token?: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function networkError(fail: { errMsg?: string } | undefined): WxbaseError {
  return new WxbaseError('network', (fail && fail.errMsg) || 'the request failed');
}

/** A JSON call. */
export function call<T>(wx: Wx, exchange: Exchange): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const header: Record<string, string> = authorization(exchange.token);
    if (exchange.body !== undefined) header['content-type'] = 'application/json';
    wx.request({
      url: exchange.url,
      method: exchange.method,
      data: exchange.body as WechatMiniprogram.IAnyObject | undefined,
      header,
      timeout: exchange.timeout,
      dataType: 'json',
      success(res) {
        try {
          resolve(unwrap<T>(res.statusCode, res.header, res.data));
        } catch (error) {
          reject(error);
        }
      },
      fail(error) {
        reject(networkError(error));
      },
    });
  });
}

/** A multipart upload of one file (the part `file`). */
export function upload<T>(wx: Wx, exchange: UploadExchange): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const task = wx.uploadFile({
      url: exchange.url,
      filePath: exchange.filePath,
      name: 'file',
      formData: exchange.formData,
      header: authorization(exchange.token),
      timeout: exchange.timeout,
      success(res) {
        try {
          resolve(unwrap<T>(res.statusCode, (res as { header?: unknown }).header, res.data));
        } catch (error) {
          reject(error);
        }
      },
      fail(error) {
        reject(networkError(error));
      },
    });
    const onProgress = exchange.onProgress;
    if (onProgress && task && typeof task.onProgressUpdate === 'function') {
      task.onProgressUpdate((update) =>
        onProgress({
          progress: update.progress,
          totalBytesSent: update.totalBytesSent,
          totalBytesExpectedToSend: update.totalBytesExpectedToSend,
        }),
      );
    }
  });
}
