// Todos in the collection `todos` (create it once as an admin, e.g. `own_only`), each with an
// optional photo in the bucket `uploads`, and the phone number from the getPhoneNumber button.
const { wxb } = getApp();
const todos = wxb.collection('todos');

function explain(error) {
  // Every rejection is a WxbaseError: `error` is the stable code, `requestId` the server's id.
  wx.showToast({ title: error.error === 'network' ? 'Offline?' : error.message, icon: 'none' });
}

Page({
  data: { items: [], title: '', phone: '', uploading: 0 },

  onShow() {
    this.load();
  },

  async load() {
    try {
      const { docs } = await todos.where({ done: false }).orderBy('_createdAt', 'desc').limit(50).get();
      this.setData({ items: docs });
    } catch (error) {
      explain(error);
    }
  },

  onTitle(event) {
    this.setData({ title: event.detail.value });
  },

  async add() {
    if (!this.data.title) return;
    try {
      await todos.add({ title: this.data.title, done: false });
      this.setData({ title: '' });
      this.load();
    } catch (error) {
      explain(error);
    }
  },

  async done(event) {
    try {
      await todos.doc(event.currentTarget.dataset.id).update({ set: { done: true } });
      this.load();
    } catch (error) {
      explain(error);
    }
  },

  async photo(event) {
    const id = event.currentTarget.dataset.id;
    try {
      const picked = await wx.chooseMedia({ count: 1, mediaType: ['image'] });
      const file = await wxb.files.upload({
        filePath: picked.tempFiles[0].tempFilePath,
        bucket: 'uploads',
        onProgress: ({ progress }) => this.setData({ uploading: progress }),
      });
      await todos.doc(id).update({ set: { photo: file.id, photoUrl: file.url } });
      this.setData({ uploading: 0 });
      this.load();
    } catch (error) {
      this.setData({ uploading: 0 });
      if (error.errMsg && error.errMsg.indexOf('cancel') >= 0) return;
      explain(error);
    }
  },

  async onPhone(event) {
    if (!event.detail.code) return; // the user declined
    try {
      const phone = await wxb.phone({ code: event.detail.code });
      this.setData({ phone: phone.phoneNumber });
    } catch (error) {
      explain(error);
    }
  },
});
