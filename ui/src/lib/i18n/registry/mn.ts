import type en from './en';

const m: Record<keyof typeof en, string> = {
};

export default m;
