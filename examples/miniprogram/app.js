// One client for the whole app: it logs in on the first call and keeps the session.
// BASE_URL: where wxbase answers. `wxbase serve --dev` listens on http://127.0.0.1:8080; in
// production use your HTTPS domain, listed as a request and uploadFile domain of the app.
const { createClient } = require('wxbase-miniprogram');

const BASE_URL = 'http://127.0.0.1:8080';

App({
  wxb: createClient({ baseUrl: BASE_URL }),
});
