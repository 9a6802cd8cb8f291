// English messages of the registry screens (the reference keys for this part).
const en = {
};

export default en;
