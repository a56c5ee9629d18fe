/* The seller's service worker (served as /s/<token>/sw.js, so its scope is the seller's pages):
   shows each push as a notification, and opens the ticket it names when tapped. */
self.addEventListener('push', (event) => {
  let data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = { body: event.data.text() }; }
  }
  event.waitUntil(self.registration.showNotification(data.title || '', {
    body: data.body || '',
    data: { url: data.url || self.registration.scope },
    tag: data.url || 'portal',
    renotify: true,
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || self.registration.scope;
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
    for (const client of windows) {
      if (client.url === url && 'focus' in client) return client.focus();
    }
    return self.clients.openWindow(url);
  }));
});
