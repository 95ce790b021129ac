-- Second test migration (location classpath:db/kittest2), pending after db/kittest alone was applied.
ALTER TABLE kit_test ADD COLUMN extra TEXT;
