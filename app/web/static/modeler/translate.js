// The modeler's own words (palette, context pad, menus, the properties panel's standard fields) in Chinese on
// a Chinese page; anything not listed here stays as bpmn-js writes it.
const ZH = {
  'Activate hand tool': '抓手工具', 'Activate lasso tool': '套索工具', 'Activate create/remove space tool': '插入/删除空间',
  'Activate global connect tool': '连线工具', 'Create start event': '开始事件', 'Create intermediate/boundary event': '中间/边界事件',
  'Create end event': '结束事件', 'Create gateway': '网关', 'Create task': '任务', 'Create expanded sub-process': '子流程',
  'Create data object reference': '数据对象', 'Create data store reference': '数据存储', 'Create pool/participant': '泳池',
  'Create group': '分组', 'Append task': '追加任务', 'Append end event': '追加结束事件', 'Append gateway': '追加网关',
  'Append intermediate/boundary event': '追加中间事件', 'Append element': '追加元素', 'Change element': '更改类型',
  'Change type': '更改类型', 'Delete': '删除', 'Connect to other element': '连接到其他元素', 'Connect using sequence/message flow or association': '连线',
  'Add text annotation': '添加注释', 'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '分成两条泳道', 'Divide into three lanes': '分成三条泳道', 'Search in diagram': '在图中查找',
  General: '常规', Name: '名称（中文）', ID: '编号', Documentation: '说明（英文）', 'Element documentation': '任务说明（英文）',
  'Process documentation': '流程说明', Version: '版本', Executable: '可执行', 'Version tag': '版本标签',
  'Escalation': '升级', 'Error': '错误', 'Signal': '信号', 'Multi-instance': '多实例', 'Compensation': '补偿',
  'Link': '链接', 'Completion': '完成条件', Process: '流程', 'Process name': '流程名称', 'Process ID': '流程编号',
  'Participant': '参与者', 'Task': '任务', 'User task': '用户任务', 'Service task': '服务任务', 'Manual task': '人工任务',
  'Business rule task': '业务规则任务', 'Call activity': '调用活动', 'Send task': '发送任务', 'Receive task': '接收任务',
  'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关', 'Inclusive gateway': '包容网关',
  'Event-based gateway': '事件网关', 'Start event': '开始事件', 'End event': '结束事件', 'Sequence flow': '顺序流',
  'Lane': '泳道', 'Timer boundary event (non-interrupting)': '定时边界事件（不中断）', 'Timer boundary event': '定时边界事件',
  'Message boundary event': '消息边界事件', 'Intermediate timer catch event': '定时中间事件',
  'Message intermediate catch event': '消息中间事件', 'Sub-process (collapsed)': '子流程（折叠）',
  'Sub-process (expanded)': '子流程（展开）', 'Sub-process': '子流程', 'Select an element to edit its properties.': '选择一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single one to edit its properties.': '选中了多个元素，请只选一个来编辑属性。',
};

// On an English page the fields that hold one language say which.
const EN = { Name: 'Name (Chinese)', Documentation: 'Instructions (English)', 'Element documentation': 'Instructions (English)' };

export function translateFor(lang) {
  const words = lang === 'zh' ? ZH : EN;
  function translate(template, replacements) {
    const text = words[template] || template;
    return text.replace(/{([^}]+)}/g, (match, key) => (replacements && key in replacements ? replacements[key] : match));
  }
  return { translate: ['value', translate] };
}
