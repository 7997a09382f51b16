/**
 * wxbase for mini-programs: `createClient({baseUrl})` gives login, the user, collections,
 * files and subscribe-message reports over `wx.request` and `wx.uploadFile`. Every call
 * resolves with the envelope's `data` or rejects with a `WxbaseError`.
 */
import type { components } from './schema';
import { Collection } from './collections';
import { Session, LoginResult } from './session';
import { call, upload, Method, UploadProgress, Wx } from './transport';

export { WxbaseError } from './errors';
export type { ErrorCode, ServerErrorCode, ClientErrorCode } from './errors';
export { Collection, DocumentRef, Query } from './collections';
export type { Document, Where, Patch, DocumentPage, Count } from './collections';
export type { LoginResult } from './session';
export type { UploadProgress, Wx } from './transport';
export type { components, paths } from './schema';

type Schemas = components['schemas'];
export type Me = Schemas['Me'];
export type Phone = Schemas['Phone'];
export type Profile = Schemas['Profile'];
export type File = Schemas['File'];
export type SignedUrl = Schemas['SignedUrl'];

export interface ClientOptions {
  /** Where wxbase answers, e.g. `https://api.example.com` (a request domain of the app). */
  baseUrl: string;
  /** Milliseconds before a call gives up with `network` (default 10 s; uploads 60 s). */
  timeout?: number;
  /** Milliseconds before an upload gives up with `network` (default 60 s). */
  uploadTimeout?: number;
  /** The storage key of the session token (default `wxbase:token`). */
  storageKey?: string;
  /** The `wx` object; by default the global one (uni-app and Taro expose it too). */
  wx?: Wx;
}

export interface UploadOptions {
  /** A local path, e.g. from `wx.chooseMedia`. */
  filePath: string;
  /** The bucket's name. */
  bucket: string;
  /** Called as bytes go out. */
  onProgress?: (progress: UploadProgress) => void;
}

/** `{code}` from `<button open-type="getPhoneNumber">`, or the older encrypted data. */
export type PhoneRequest = Schemas['PhoneRequest'];

/** What `wx.requestSubscribeMessage` resolved with: `{TEMPLATE_ID: 'accept' | 'reject' | ...}`. */
export type SubscribeResult = Record<string, string>;

declare const wx: Wx | undefined;

function globalWx(): Wx {
  if (typeof wx !== 'undefined' && wx) return wx;
  throw new Error('wxbase-miniprogram: no global `wx`; pass createClient({wx})');
}

export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeout = options.timeout || 10000;
  const uploadTimeout = options.uploadTimeout || 60000;
  const api = options.wx || globalWx();
  const session = new Session(api, {
    baseUrl,
    timeout,
    storageKey: options.storageKey || 'wxbase:token',
  });

  /** A JSON call with the session. */
  function send<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return session.authorized((token) =>
      call<T>(api, { method, url: `${baseUrl}${path}`, token, body, timeout }),
    );
  }

  return {
    auth: {
      /** `wx.login` and `POST /api/auth/login`; the token is kept in storage. */
      login: (): Promise<LoginResult> => session.login(),
      /** Ends the session on the server and forgets the token. */
      async logout(): Promise<null> {
        const token = session.token();
        session.clear();
        if (!token) return null;
        return call<null>(api, { method: 'POST', url: `${baseUrl}/api/auth/logout`, token, timeout });
      },
      /** Whether a token is stored. */
      hasSession: (): boolean => session.token() !== '',
    },
    /** The logged-in user. */
    me: (): Promise<Me> => send('GET', '/api/me'),
    /** Stores and returns the user's phone number. */
    phone: (request: PhoneRequest): Promise<Phone> => send('POST', '/api/me/phone', request),
    /** Checks and stores `{rawData, signature}` from `wx.getUserProfile`. */
    profile: (request: Schemas['ProfileRequest']): Promise<Profile> =>
      send('POST', '/api/me/profile', request),
    /** Decrypts `{encryptedData, iv}` with the server-side session_key. */
    decrypt: (request: Schemas['EncryptedRequest']): Promise<Record<string, unknown>> =>
      send('POST', '/api/me/decrypt', request),
    /** A collection's documents. */
    collection: <T extends object = Record<string, unknown>>(name: string): Collection<T> =>
      new Collection<T>(send, name),
    files: {
      /** Uploads a local file into `bucket` with `wx.uploadFile`. */
      upload: (request: UploadOptions): Promise<File> =>
        session.authorized((token) =>
          upload<File>(api, {
            url: `${baseUrl}/api/files`,
            token,
            filePath: request.filePath,
            formData: { bucket: request.bucket },
            timeout: uploadTimeout,
            onProgress: request.onProgress,
          }),
        ),
      /** Fresh signed URLs for `<image src>`; `url` is `null` for a file the user cannot see. */
      urls: (ids: string[]): Promise<SignedUrl[]> => send('POST', '/api/files/urls', { ids }),
      /** Deletes a file. */
      remove: (id: string): Promise<null> => send('DELETE', `/api/files/${encodeURIComponent(id)}`),
    },
    subscriptions: {
      /**
       * Reports what the user chose in `wx.requestSubscribeMessage`, so the server may send
       * those templates (`POST /api/me/subscriptions`).
       */
      report: (result: SubscribeResult): Promise<unknown> =>
        send('POST', '/api/me/subscriptions', result),
    },
  };
}

export type Client = ReturnType<typeof createClient>;
