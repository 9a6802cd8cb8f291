// 加密存储：解锁界面与设置中的加密部分
import type en from './en';

const zh: Record<keyof typeof en, string> = {
  'unlock.title': 'Dauria Field 已锁定',
  'unlock.intro': '本机的调查数据已加密。请输入口令打开。',
  'unlock.interrupted': '数据加密曾被中断。请输入开始加密时使用的口令：解锁即可完成加密，数据不会丢失。',
  'unlock.passphrase': '口令',
  'unlock.submit': '解锁',
  'unlock.checking': '正在验证口令…',
  'security.title': '加密',
  'security.plain': '本机数据未加密：拿到这台电脑的人可以读取所有观察记录、位置、照片和同步凭据。',
  'security.encrypted': '本机数据已加密：数据库、照片和同步凭据。应用启动时会要求输入口令。',
  'security.current': '当前口令',
  'security.new': '新口令',
  'security.again': '再次输入新口令',
  'security.warning': '没有口令，任何人都无法读取这些数据，包括 Dauria Field 的开发者：无法恢复。请把口令写下来，与电脑分开保管。',
  'security.understood': '我明白：忘记口令就会失去数据',
  'security.encrypt': '加密本机数据',
  'security.restartNote': '完成后 Dauria Field 会重新启动，并要求输入新口令。',
  'security.encrypting': '正在加密：第 {done} 张照片，共 {total} 张…',
  'security.change': '更改口令',
  'security.changed': '口令已更改。今后请使用新口令。',
  'security.mismatch': '两次输入的新口令不一致。',
  'security.tooShort': '口令至少需要 8 个字符。',
  'error.code.locked': '数据已锁定：请输入口令。',
  'error.code.wrong_passphrase': '口令错误。没有打开或更改任何内容，请重试。',
  'error.code.encryption_interrupted': '数据加密曾被中断。请用开始加密时的口令解锁以完成加密，数据不会丢失。',
  'rule.key_file.damaged': '数据库旁的密钥文件已损坏，请从备份中恢复。',
  'rule.passphrase.too_short': '口令至少需要 8 个字符。',
  'rule.store.not_encrypted': '本机数据未加密。',
  'rule.store.already_encrypted': '本机数据已经加密。',
  'rule.store.exists': '该文件夹中已有数据库。',
  'rule.file.damaged': '加密文件已损坏，或是用另一个密钥加密的。',
  'rule.data_dir.path': '无法使用该数据文件夹路径。',
};

export default zh;
