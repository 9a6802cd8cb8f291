// 键盘快捷键列表（F1 或 ?）。
import type en from './en';

const help: Record<keyof typeof en, string> = {
  'help.title': '键盘快捷键',
  'help.hint': '在文本框以外的任何地方按 F1 或 ? 显示此列表。',
  'help.close': '关闭',
  'help.group.everywhere': '任何位置',
  'help.group.log': '记录观察',
  'help.group.forms': '表单和列表',
  'help.group.samples': '接收样本',
  'help.goTo': '转到：{screen}',
  'help.showList': '显示此列表',
  'help.save': '保存',
  'help.saveNext': '保存并开始下一条观察',
  'help.pickSpecies': '在物种建议中移动并选择',
  'help.closeSuggestions': '关闭建议',
  'help.closeForm': '关闭表单或对话框',
  'help.moveRows': '在列表的行之间移动',
  'help.moveTabs': '在选项卡之间移动',
  'help.scan': '扫描的条形码（扫描器输入后按 Enter）立即记录',
};

export default help;
