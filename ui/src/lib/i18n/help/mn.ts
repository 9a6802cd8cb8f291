// Товчлуурын хослолын жагсаалт (F1 эсвэл ?).
import type en from './en';

const help: Record<keyof typeof en, string> = {
  'help.title': 'Товчлуурын хослол',
  'help.hint': 'F1 эсвэл ? нь текстийн талбараас бусад газар энэ жагсаалтыг харуулна.',
  'help.close': 'Хаах',
  'help.group.everywhere': 'Хаана ч',
  'help.group.log': 'Ажиглалт бүртгэх',
  'help.group.forms': 'Маягт ба жагсаалт',
  'help.group.samples': 'Дээж хүлээн авах',
  'help.goTo': 'Шилжих: {screen}',
  'help.showList': 'Энэ жагсаалтыг харуулах',
  'help.save': 'Хадгалах',
  'help.saveNext': 'Хадгалаад дараагийн ажиглалтыг эхлэх',
  'help.pickSpecies': 'Зүйлийн саналуудаас сонгох',
  'help.closeSuggestions': 'Саналуудыг хаах',
  'help.closeForm': 'Маягт эсвэл цонхыг хаах',
  'help.moveRows': 'Жагсаалтын мөрүүдийн хооронд шилжих',
  'help.moveTabs': 'Табуудын хооронд шилжих',
  'help.scan': 'Уншуулсан зураасан код (уншигч бичээд Enter дарна) шууд бүртгэгдэнэ',
};

export default help;
