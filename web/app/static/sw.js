// Village's service worker: shows the Web Push messages the server sends
// (web/push) and opens the page of one when it is clicked.
'use strict';

self.addEventListener('push', function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    return;
  }
  if (!data.title) {
    return;
  }
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body || '',
    icon: data.icon || '/static/icon-192.png',
    tag: 'village-' + (data.notification_id || ''),
    data: { url: data.url || '/notifications' }
  }));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || '/notifications', self.location.origin);
  if (target.origin !== self.location.origin) {
    target = new URL('/notifications', self.location.origin);
  }
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === target.href && 'focus' in list[i]) {
        return list[i].focus();
      }
    }
    return self.clients.openWindow(target.href);
  }));
});
