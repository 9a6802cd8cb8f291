// 精确到日、月或年的日期，以及备份（设置）
import type en from './en';

const zh: Record<keyof typeof en, string> = {
  'date.undated': '无日期',
  'date.precision.day': '已知日期，时间不详',
  'date.precision.month': '精确到月',
  'date.precision.year': '精确到年',
  'date.precision.undated': '无日期的历史记录',
  'dwca.taxa': '名录 {name}：新增 {added} 个分类单元，已在名录中 {listed} 个，同物异名 {synonyms} 个，新增本地名称 {names} 个',
  'dwca.taxaSkipped': '{n} 行未添加',
  'rule.observed_at.undated': '无日期的记录没有时间，也没有结束日期。',
  'rule.observed_until.precision': '日期范围需要注明精度：日、月或年。',
  'obs.source': '导入自',
  'backup.title': '备份',
  'backup.intro': '本机记录和照片的副本，工作时也可以安全制作。请保存在另一块磁盘上。',
  'backup.folder': '备份文件夹',
  'backup.make': '制作备份',
  'backup.making': '正在复制记录和照片…',
  'backup.made': '备份已完成：{path}（{photos} 张照片）',
  'backup.restoreTitle': '从备份恢复',
  'backup.restorePath': '要恢复的备份文件夹',
  'backup.restore': '恢复…',
  'backup.confirm': '用 {path} 中的备份替换本机的记录和照片？该备份之后在本机保存的内容都将从本机消失（已同步的内容会在下次同步时回来）。被替换的数据库会保留在旁边。',
  'backup.confirmYes': '用备份替换',
  'backup.restoring': '正在恢复…',
  'backup.restored': '已从 {path} 恢复。现在显示的是备份中的记录。',
  'backup.failed': '无法使用该备份：{message}',
  'backup.newer': '此备份由更新版本的 Dauria Field 制作（数据库版本 {found}；本版本最高读取 {known}）。请更新应用后再恢复。',
  'backup.damaged': '备份已损坏或不完整，未做任何更改：{message}',
};

export default zh;
