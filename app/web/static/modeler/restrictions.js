// Script tasks and scripts are not offered: the diagrams run no code on the server, so the replace, append
// and create menus leave them out (a diagram that still holds one is refused by the lint).
function NoScripts(popupMenu) {
  for (const menu of ['bpmn-replace', 'bpmn-append', 'bpmn-create']) popupMenu.registerProvider(menu, 100, this);
}
NoScripts.$inject = ['popupMenu'];

NoScripts.prototype.getPopupMenuEntries = function getPopupMenuEntries() {
  return (entries) => Object.fromEntries(Object.entries(entries).filter(([id]) => !/script/i.test(id)));
};

export default { __init__: ['noScripts'], noScripts: ['type', NoScripts] };
