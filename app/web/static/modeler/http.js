// JSON requests to the service's pages with the session cookie and the page's CSRF token (as forms.js sends
// its uploads). Resolves to {status, body}; body is null when the answer was not JSON.
export async function send(method, url, body, csrf) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRFToken'] = csrf;
  const response = await fetch(url, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if ((response.headers.get('Content-Type') || '').includes('application/json')) data = await response.json();
  return { status: response.status, body: data };
}

export function words(body, lang, fallback) {
  if (body && body.messages && body.messages[lang]) return body.messages[lang];
  return (body && body.message) || fallback;
}
