// English messages of the planning screens (the reference keys for this part).
const en = {
};

export default en;
