import { Modal } from '../../ui/common';

/** "Mark remaining absent?": says how many students that is. */
export function MarkRemainingDialog({
  unmarked,
  busy,
  onCancel,
  onConfirm,
}: {
  unmarked: number;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Modal title="Mark remaining absent?" onClose={onCancel}>
      <p>
        {unmarked} student{unmarked === 1 ? ' who has' : 's who have'} not checked in will be marked absent.
      </p>
      <div class="row end">
        <button onClick={onCancel}>Cancel</button>
        <button class="danger" disabled={busy} onClick={onConfirm}>
          Mark {unmarked} absent
        </button>
      </div>
    </Modal>
  );
}
